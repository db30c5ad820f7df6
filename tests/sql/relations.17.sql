GRANT MAINTAIN ON rel.cols TO st_reader;
