# store: see its files
