# The release this tree is stamped with. tools/build_wheel.py rewrites this line in a
# temporary copy of the tree to build wheels of older releases for upgrade tests.
__version__ = "1.1.0"
