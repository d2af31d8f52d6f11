"""Call records from the telephony system (events API, Asterisk queue_log) and the contact-centre figures."""
