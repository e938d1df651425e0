BEGIN
{
	while (i < 10) {
		i++;
	}
}

END
{
	return;
}
