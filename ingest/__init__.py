"""qcredit: land agency feeds, grade enterprises' quality credit, publish the results."""
