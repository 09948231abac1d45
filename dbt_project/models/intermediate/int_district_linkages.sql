-- The measures behind typology dimensions D2, D4, D6 and D7 (METHOD.md 2.1), one row per district and year,
-- each dimension computed in its own model (int_district_d2_division_of_labour, int_district_d4_innovation,
-- int_district_d6_skills, int_district_d7_institutions). NULL means the input is not loaded for the
-- district's country and year; a loaded input in which the district has nothing gives 0 (no patents, no
-- institutions), not NULL.
with districts as (
    select * from {{ ref('int_districts') }}
)

select
    d.district_id,
    d.ref_year,
    d.country,
    d2.supplier_lq,
    d2.has_supplier_definition,
    d2.machinery_lq,
    d2.has_machinery_definition,
    d2.kibs_lq,
    d2.export_lq,
    d4.innovation_ratio,
    d4.ip_rights,
    d6.skills_ratio,
    d6.skills_measure,
    d7.associations,
    d7.service_centres,
    d7.cluster_organisations,
    d7.labelled_cluster_organisations,
    d7.international_networks
from districts as d
left join {{ ref('int_district_d2_division_of_labour') }} as d2 on d2.district_id = d.district_id and d2.ref_year = d.ref_year
left join {{ ref('int_district_d4_innovation') }} as d4 on d4.district_id = d.district_id and d4.ref_year = d.ref_year
left join {{ ref('int_district_d6_skills') }} as d6 on d6.district_id = d.district_id and d6.ref_year = d.ref_year
left join {{ ref('int_district_d7_institutions') }} as d7 on d7.district_id = d.district_id and d7.ref_year = d.ref_year
