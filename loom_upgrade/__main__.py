from loom_upgrade.cli.main import run

run()
