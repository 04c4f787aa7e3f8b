"""Talking to servers: IMAP, IDLE, SMTP, ManageSieve, and the TLS trust every one of them
goes through before a credential is sent."""
