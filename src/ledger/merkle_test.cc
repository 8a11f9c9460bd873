// Tests are written with the module.
