print("step 3: not yet implemented")
