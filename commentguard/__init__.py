"""The ``commentguard`` command: the one package that imports both the service and training."""
