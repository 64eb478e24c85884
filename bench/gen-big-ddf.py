#!/usr/bin/env python3
"""Writes a DDF within the loader's limits (16 MiB, 100,000 nodes) to stdout: one root and
99,989 leaves, about 12 MiB. Used by bench/memory.sh."""
import sys

n = 99_989
out = sys.stdout
out.write('<?xml version="1.0" encoding="UTF-8"?>\n<MgmtTree xmlns:MSFT="http://schemas.microsoft.com/MobileDevice/DM">'
          "<VerDTD>1.2</VerDTD>\n<Node><NodeName>Big</NodeName><Path>./Vendor/MSFT</Path><DFProperties>"
          "<AccessType><Get/></AccessType><DFFormat><node/></DFFormat><Scope><Permanent/></Scope></DFProperties>\n")
for i in range(n):
    out.write(f"<Node><NodeName>Leaf{i:06d}</NodeName><DFProperties><AccessType><Add/><Get/></AccessType>"
              f"<DFFormat><chr/></DFFormat></DFProperties></Node>\n")
out.write("</Node></MgmtTree>\n")
