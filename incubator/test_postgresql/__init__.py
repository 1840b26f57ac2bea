"""PostgreSQL for the test suite (incubator.settings.test): Django's backend, emptied faster."""
