import sys

from arcforge.cli import main

sys.exit(main())
