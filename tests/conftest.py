"""Load every fixture module of tests/support so that any test can use its fixtures."""

import pkgutil

import tests.support

pytest_plugins = [f"tests.support.{module.name}" for module in pkgutil.iter_modules(tests.support.__path__)]
