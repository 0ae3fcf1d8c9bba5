"""The schedule and thin job bodies (one app context per run, one service call, commit, log)."""
