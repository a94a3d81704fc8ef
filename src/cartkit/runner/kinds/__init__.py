"""One module per group of plan analysis kinds; each turns an analysis into tables and figures."""
