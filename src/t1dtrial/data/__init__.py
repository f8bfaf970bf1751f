"""The input contract, readers, unit conversion, validation and the Trial container."""
