"""The registry's use cases, below the web layer: who a token is and what it may do
(``access.py``), publishing (``publishing.py``), yanking and owners (``crates.py``). They
take typed values, raise domain errors (:mod:`fakereg.errors`) and know nothing of HTTP; the
web API, the control API and the ``Seeder`` all call them."""
