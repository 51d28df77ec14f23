"""gospublic-rating: the monthly rating of Russia's regions on their official public pages.

Everything here is importable without Airflow; the DAG files in ``dags/`` only wire these
functions together.
"""
