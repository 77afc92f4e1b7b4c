"""Every change the console sends to a backend goes through here."""
