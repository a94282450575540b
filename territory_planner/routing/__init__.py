"""Travel times, day routes and visit calendars (no Qt)."""
