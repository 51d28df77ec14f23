-- check frame raw.organizations: the organisations table as delivered.
select * from raw_organizations
