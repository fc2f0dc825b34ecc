print("transtokd")
