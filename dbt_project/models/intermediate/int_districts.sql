-- District identification, by the method named in var district_method (dbt_project.yml):
-- lq_size_v1 (default), sforzi_istat (the ISTAT sequence of intermediate.int_sforzi_istat) or cluster_mapping
-- (the ECO-star route). sforzi_istat: every labour-market area that passes steps 2-5 is a
-- district; its main industry is the ISTAT group of step 4, and the district's main industry code
-- is the group's class with the highest prevalence index in the area (the indicators are measured
-- on that class). lq_size_v1: a region (labour-market area
-- where the country's setting and a map allow, otherwise a municipality or county) is a district
-- when it specialises in a manufacturing industry with the LQ, establishment, employee and
-- national share thresholds of the rule set (dbt_project/rule_sets/). Its main industry is the
-- qualifying industry with the highest prevalence index (Sforzi-ISTAT step 4).
-- Every method's inputs are dependencies whichever method is chosen, so that one parsed project serves
-- them all (the method can change between runs without a new parse):
-- depends_on: {{ ref('int_cluster_route_candidates') }}, {{ ref('int_sforzi_istat') }}, {{ ref('int_industry_code_groups') }}
with cells as (
    select * from {{ ref('int_region_industry_lq') }}
),

regions as (
    select distinct
        country, region_code, region_level, region_name,
        region_specialisation_group, region_specialisation_group_name
    from {{ ref('int_area_regions') }}
),

specialisation_codes as (
    select * from {{ ref('istat_sll_specialisation_codes') }}
),

codes as (
    select * from {{ ref('stg_reference__industry_codes') }}
),

isic as (
    select industry_system, industry_code, min(target_code) as isic4_code
    from {{ ref('stg_reference__industry_crosswalk') }}
    where target_system = 'ISIC4'
    group by industry_system, industry_code
),

systems as (
    select * from {{ ref('industry_systems') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

qualifying as (
    {%- if var('district_method') == 'cluster_mapping' %}
    -- The cluster-mapping route (ECO stars): see int_cluster_route_candidates.
    select * from {{ ref('int_cluster_route_candidates') }}
    {%- elif var('district_method') == 'sforzi_istat' %}
    select c.*
    from cells as c
    inner join {{ ref('int_sforzi_istat') }} as f
        on f.country = c.country and f.ref_year = c.ref_year and f.area_code = c.region_code and f.is_district
    inner join {{ ref('int_industry_code_groups') }} as g
        on g.industry_system = c.industry_system and g.industry_code = c.industry_code
        and g.group_code = f.main_group_code
    where c.employees > 0
    {%- elif var('district_method') == 'lq_size_v1' %}
    select c.*
    from cells as c
    inner join systems as s on c.industry_system = s.industry_system
    cross join rules as r
    where substr(c.industry_code, 1, s.division_length) between s.manufacturing_from and s.manufacturing_to
      and round(c.lq, 6) >= r.district_min_lq
      and c.establishments >= r.district_min_establishments
      and c.employees >= r.district_min_employees
      and round(c.national_share, 8) >= r.district_min_national_share
    {%- else %}
    {{ exceptions.raise_compiler_error("var district_method must be lq_size_v1, sforzi_istat or cluster_mapping, not " ~ var('district_method')) }}
    {%- endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by country, ref_year, region_code
            order by prevalence_index desc, industry_code
        ) as specialisation_rank,
        count(*) over (partition by country, ref_year, region_code) as specialisation_count
    from qualifying
),

final as (
    select
        m.country || '-' || m.region_code || '-' || m.industry_code as district_id,
        m.country,
        m.ref_year,
        coalesce(g.region_level, 'area') as area_level,
        m.region_code as area_code,
        coalesce(g.region_name, m.region_code) as area_name,
        coalesce(g.region_name, m.region_code) || ' - ' || coalesce(codes.industry_name, m.industry_code)
            as district_name,
        m.industry_system,
        m.industry_code as main_industry_code,
        codes.industry_name as main_industry_name,
        isic.isic4_code as main_isic4_code,
        m.establishments as firms,
        m.employees,
        round(m.lq, 6) as lq,
        round(m.national_share, 8) as national_share,
        round(m.prevalence_index, 2) as prevalence_index,
        m.specialisation_count,
        g.region_specialisation_group as istat_sll_specialisation,
        g.region_specialisation_group_name as istat_sll_specialisation_name,
        case when g.region_specialisation_group is not null then exists (
            select 1 from specialisation_codes as k
            where k.specialisation_group = g.region_specialisation_group
              and k.industry_system = m.industry_system
              and starts_with(m.industry_code, k.code_prefix)
        ) end as agrees_with_istat_specialisation,
        m.employees >= r.critical_mass_employees as has_critical_mass,
        '{{ var("district_method") }}' as identification_method,
        m.lq_reference,
        m.is_estimate,
        r.rule_set,
        r.rule_set_version,
        m.is_synthetic
    from ranked as m
    cross join rules as r
    left join regions as g on m.country = g.country and m.region_code = g.region_code
    left join codes on m.industry_system = codes.industry_system and m.industry_code = codes.industry_code
    left join isic on m.industry_system = isic.industry_system and m.industry_code = isic.industry_code
    where m.specialisation_rank = 1
)

select * from final
