# Prints the sections (llvm-readelf -S -W) and LOAD segments (-l -W) of at
# least 1 MiB as "<name> read-only|writable".
import re
import subprocess
import sys

MIB = 1 << 20
path = sys.argv[1]
sections = subprocess.run(["llvm-readelf", "-S", "-W", path], check=True,
                          capture_output=True, text=True).stdout
for line in sections.splitlines():
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+"
                 r"([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)", line)
    if m and int(m.group(2), 16) >= MIB:
        print("section", m.group(1),
              "writable" if "W" in m.group(3) else "read-only")
segments = subprocess.run(["llvm-readelf", "-l", "-W", path], check=True,
                          capture_output=True, text=True).stdout
for line in segments.splitlines():
    fields = line.split()
    if fields[:1] == ["LOAD"] and int(fields[4], 16) >= MIB:
        print("LOAD segment", "writable" if "W" in fields[6] else "read-only")
