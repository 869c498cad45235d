"""Data on a dask cluster: Gaussian mixed models fitted from sufficient
statistics computed partition by partition, GLMM rows compressed by a
groupby, and predictions mapped over partitions."""

from ._compress import compress, compression_obstacle
from ._fit import FITTED_FROM_CLUSTERS, not_fitted_from_clusters, statistics_model
from ._frames import is_dask_collection
from ._predict import mean_on_cluster, over_partitions

__all__ = ["compress", "compression_obstacle", "FITTED_FROM_CLUSTERS", "is_dask_collection", "mean_on_cluster", "not_fitted_from_clusters",
           "over_partitions", "statistics_model"]
