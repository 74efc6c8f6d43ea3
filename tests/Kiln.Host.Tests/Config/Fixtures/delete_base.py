item1 = {'a': 0}
item2 = {'a': 0}
