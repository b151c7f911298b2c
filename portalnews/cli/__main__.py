import sys

from portalnews.cli import main

sys.exit(main())
