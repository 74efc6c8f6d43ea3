# a comment
x = 1
import os
