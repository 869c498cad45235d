"""How much the arrays of draws may hold."""

#: most values one working array of draws holds (8 bytes each: 1 MB); small
#: enough to stay in the processor's caches, where a freshly allocated large
#: array costs more to fault in than the arithmetic on it
CHUNK_VALUES = 2**17

#: most values of the pointwise log-likelihood a fit stores (8 bytes each: 1 GB)
LOG_LIKELIHOOD_VALUES = 2**27
