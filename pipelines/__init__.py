"""Extract and load: the dlt source of each system (`<system>.py: source`, its tables from the
vendor's descriptor) and the load runner. Speaks to vendors only through connectors/."""
