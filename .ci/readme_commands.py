"""Print the README's set-up commands, one per line: the ```bash blocks of its "## Set up"
section, in order (CI runs exactly these, so the README cannot drift from what CI checks)."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
section = re.search(r"^## Set up\n(.*?)(?=^## )", text, re.S | re.M)
if section is None:
    sys.exit("README.md has no '## Set up' section")
for block in re.findall(r"^```bash\n(.*?)^```", section.group(1), re.S | re.M):
    print(" ".join(line.strip() for line in block.strip().splitlines()))
