-- Each district's CONF_STATUS per tier and per size class (intermediate.int_disclosure_component_suppression,
-- one column per component); a component with no unit has no cell and nothing to protect: F.
{%- set components = ['leader', 'primary_supplier', 'satellite', 'micro', 'small', 'medium', 'large'] %}
select
    district_id,
    ref_year,
    {%- for component in components %}
    coalesce(max(case when component = '{{ component }}' then conf_status end), 'F') as {{ component }}
    {{- "," if not loop.last }}
    {%- endfor %}
from {{ ref('int_disclosure_component_suppression') }}
group by district_id, ref_year
