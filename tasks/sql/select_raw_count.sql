-- Raw rows present (demo refuses to overwrite a server database that has data)
SELECT count() FROM ${raw}
