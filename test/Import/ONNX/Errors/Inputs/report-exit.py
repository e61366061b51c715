"""Runs a command, copies its stderr to stdout and then prints
"exit status N, L line(s) on stderr, B bytes on stdout", so that one FileCheck
can check the diagnostic, the exit status and that nothing else was printed.
"""
import subprocess
import sys

proc = subprocess.run(sys.argv[1:], capture_output=True)
sys.stdout.write(proc.stderr.decode(errors="replace"))
lines = len(proc.stderr.splitlines())
print(f"exit status {proc.returncode}, {lines} line(s) on stderr, "
      f"{len(proc.stdout)} bytes on stdout")
