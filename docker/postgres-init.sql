-- One database per implementation, so that no API sees another's rows.
CREATE DATABASE taskbench_fastapi;
CREATE DATABASE taskbench_flask;
CREATE DATABASE taskbench_django;
