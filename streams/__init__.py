"""Stream processing: the faust-streaming app and the pure functions its agents call."""
