"""NLU benchmark: our Rasa pipeline (config.yml) against Rasa's default pipeline on public intent datasets."""
