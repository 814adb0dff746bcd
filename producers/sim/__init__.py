"""The feedback simulator: multilingual texts (``texts``) and customer journeys with ground truth (``engine``)."""
