print("step 4: not yet implemented")
