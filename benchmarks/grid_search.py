"""Wall time of the prior grid search in examples/grid_search_priors.py.

GridSearchCV over 8 prior settings x 6 leave-subjects-out folds on sleepstudy
(2 chains x 500 draws after 500 tuning steps per fit, or 1 x 200 with
--quick), plus the refit of the best candidate. Prints one JSON object.

    python benchmarks/grid_search.py [--quick] [--n-jobs N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "grid_search_priors.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=-1)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("grid_search_priors", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    search, seconds = example.run_search(quick=args.quick, n_jobs=args.n_jobs)
    n_candidates = len(search.cv_results_["params"])
    print(
        json.dumps(
            {
                "benchmark": "grid_search_priors",
                "quick": args.quick,
                "seconds": round(seconds, 1),
                "fits": n_candidates * search.n_splits_ + 1,
                "seconds_per_fit": round(seconds / (n_candidates * search.n_splits_ + 1), 2),
                "n_jobs": args.n_jobs,
                "cpu_count": os.cpu_count(),
                "best_params": search.best_params_,
                "best_elpd_per_observation": round(search.best_score_, 4),
                "python": platform.python_version(),
            }
        )
    )


if __name__ == "__main__":
    main()
