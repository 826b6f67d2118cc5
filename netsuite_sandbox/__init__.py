"""NetSuite sandbox simulator: a local stand-in for the NetSuite APIs the product uses."""
