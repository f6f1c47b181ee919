from kexue.cli.main import run

run()
