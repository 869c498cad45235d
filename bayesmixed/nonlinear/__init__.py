"""Nonlinear mean functions and their self-starting initial values."""

from ._expression import FUNCTIONS as EXPRESSION_FUNCTIONS
from ._expression import NonlinearExpression, parse_expression
from ._functions import SELF_STARTING, NonlinearFunction, SelfStart
from ._selfstart import self_start

__all__ = [
    "EXPRESSION_FUNCTIONS",
    "SELF_STARTING",
    "NonlinearExpression",
    "NonlinearFunction",
    "SelfStart",
    "parse_expression",
    "self_start",
]
