"""The classifier: text normalisation, features, scoring, explanations and artifact I/O."""
