"""Package discovery for the loom-narrative wheel.

The release catalog, the Alembic environment, the JSON Schemas and the playbooks live in
top-level folders (``migrations/``, ``schemas/``, ``playbooks/``) so that operators find them
in the repository, yet both ``loom_runtime`` and ``loom_upgrade`` need them at run time.
They are installed as the packages ``loom_migrations``, ``loom_schemas`` and
``loom_playbooks``; pyproject.toml cannot combine package discovery with such a mapping,
so this file does it and pyproject.toml holds everything else.
"""

from setuptools import find_packages, setup

MAPPED_FOLDERS = {
    "loom_migrations": "migrations",
    "loom_schemas": "schemas",
    "loom_playbooks": "playbooks",
}


def mapped_packages():
    names = []
    for package, folder in MAPPED_FOLDERS.items():
        names.append(package)
        names.extend(f"{package}.{sub}" for sub in find_packages(where=folder))
    return names


setup(
    packages=find_packages(include=["loom_runtime", "loom_runtime.*", "loom_upgrade", "loom_upgrade.*"])
    + mapped_packages(),
    package_dir=MAPPED_FOLDERS,
)
