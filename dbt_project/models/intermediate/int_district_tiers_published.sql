-- District tiers as they may be published: a tier cell the disclosure rules suppress (a leader tier of one or two
-- units, or one unit dominating it; intermediate.int_district_component_status) publishes neither its units nor
-- its employees, nor the ratios and flags derived from them; each tier carries its CONF_STATUS.
with tiers as (
    select * from {{ ref('int_district_tiers') }}
),

statuses as (
    select * from {{ ref('int_district_component_status') }}
),

flagged as (
    select
        t.*,
        coalesce(s.leader, 'F') as leader_conf_status,
        coalesce(s.primary_supplier, 'F') as primary_supplier_conf_status,
        coalesce(s.satellite, 'F') as satellite_conf_status
    from tiers as t
    left join statuses as s on s.district_id = t.district_id and s.ref_year = t.ref_year
)

select
    district_id,
    ref_year,
    case when leader_conf_status = 'F' then leader_units end as leader_units,
    case when leader_conf_status = 'F' then leader_employees end as leader_employees,
    case when primary_supplier_conf_status = 'F' then primary_supplier_units end as primary_supplier_units,
    case when primary_supplier_conf_status = 'F' then primary_supplier_employees end as primary_supplier_employees,
    case when satellite_conf_status = 'F' then satellite_units end as satellite_units,
    case when satellite_conf_status = 'F' then satellite_employees end as satellite_employees,
    leader_concentration,
    case when leader_conf_status = 'F' and satellite_conf_status = 'F' then satellite_to_leader_ratio end
        as satellite_to_leader_ratio,
    case when leader_conf_status = 'F' and primary_supplier_conf_status = 'F' then is_horizontal_competition end
        as is_horizontal_competition,
    supplier_scope,
    is_estimate,
    rule_set_version,
    leader_conf_status,
    primary_supplier_conf_status,
    satellite_conf_status,
    case when is_estimate then 'E' else 'A' end as obs_status
from flagged
