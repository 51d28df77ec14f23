-- check frame staging.stg_organizations
select * from stg_organizations
