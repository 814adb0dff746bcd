"""The feedback simulator: multilingual texts (``texts``), journeys and ground truth (``engine``)."""
