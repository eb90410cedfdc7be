"""Use-cases that join the database and the engine; views call these, never the reverse."""
