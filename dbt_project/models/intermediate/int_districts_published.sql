-- Districts as they may be published: CONF_STATUS and OBS_STATUS on every row. A district whose total breaks a
-- primary rule, or cannot be published without revealing suppressed cells inside it
-- (intermediate.int_district_total_status), has its units, employees and what is derived from them withheld
-- (NULL, with that CONF_STATUS).
with districts as (
    select * from {{ ref('int_districts') }}
),

statused as (
    select d.*, s.conf_status, s.conf_status <> 'F' as is_withheld
    from districts as d
    inner join {{ ref('int_district_total_status') }} as s on s.district_id = d.district_id and s.ref_year = d.ref_year
)

select
    district_id,
    country,
    ref_year,
    area_level,
    area_code,
    area_name,
    district_name,
    industry_system,
    main_industry_code,
    main_industry_name,
    main_isic4_code,
    case when not is_withheld then firms end as firms,
    case when not is_withheld then employees end as employees,
    case when not is_withheld then lq end as lq,
    case when not is_withheld then national_share end as national_share,
    case when not is_withheld then prevalence_index end as prevalence_index,
    specialisation_count,
    istat_sll_specialisation,
    istat_sll_specialisation_name,
    agrees_with_istat_specialisation,
    case when not is_withheld then has_critical_mass end as has_critical_mass,
    identification_method,
    lq_reference,
    is_estimate,
    rule_set,
    rule_set_version,
    is_synthetic,
    conf_status,
    case when is_estimate then 'E' else 'A' end as obs_status
from statused
