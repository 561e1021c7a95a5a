/* global ol, Chart */
'use strict';
// The managers' dashboard: the hazard map, two charts and sortable tables.
(function () {
    function hazardStyle(feature) {
        const major = feature.get('major');
        return new ol.style.Style({
            image: new ol.style.Circle({
                radius: major ? 7 : 5,
                fill: new ol.style.Fill({color: feature.get('color')}),
                stroke: new ol.style.Stroke({color: major ? '#000' : '#fff', width: major ? 2 : 1})
            })
        });
    }

    function initMap() {
        const container = document.getElementById('dashboard-map');
        if (!container) { return; }
        const data = JSON.parse(document.getElementById('dashboard-hazards').textContent);
        const layers = [];
        if (container.dataset.tileUrl) {
            layers.push(new ol.layer.Tile({source: new ol.source.XYZ({
                url: container.dataset.tileUrl, attributions: container.dataset.tileAttribution || ''})}));
        }
        const pipelines = new ol.source.Vector({url: container.dataset.routes, format: new ol.format.GeoJSON()});
        layers.push(new ol.layer.Vector({
            source: pipelines,
            style: new ol.style.Style({stroke: new ol.style.Stroke({color: 'rgba(31, 95, 168, 0.55)', width: 2})})
        }));
        const hazards = new ol.source.Vector({
            features: new ol.format.GeoJSON().readFeatures(data, {featureProjection: 'EPSG:3857'})
        });
        layers.push(new ol.layer.Vector({source: hazards, style: hazardStyle}));
        const view = new ol.View({center: ol.proj.fromLonLat([118.67, 37.43]), zoom: 9});
        const map = new ol.Map({target: container, layers: layers, view: view});
        if (hazards.getFeatures().length) {
            view.fit(hazards.getExtent(), {padding: [30, 30, 30, 30], maxZoom: 14});
        }
        const tooltip = container.querySelector('.map-tooltip');
        const hazardAt = pixel => map.forEachFeatureAtPixel(pixel, f => (f.get('url') ? f : undefined), {hitTolerance: 4});
        map.on('pointermove', event => {
            const feature = hazardAt(event.pixel);
            container.style.cursor = feature ? 'pointer' : '';
            tooltip.style.display = feature ? 'block' : 'none';
            if (feature) {
                tooltip.textContent = feature.get('label');
                tooltip.style.left = (event.pixel[0] + 12) + 'px';
                tooltip.style.top = (event.pixel[1] + 12) + 'px';
            }
        });
        map.on('singleclick', event => {
            const feature = hazardAt(event.pixel);
            if (feature) { window.location.href = feature.get('url'); }
        });
        pipelines.once('featuresloadend', () => { container.dataset.pipelineCount = String(pipelines.getFeatures().length); });
        container.dataset.hazardCount = String(hazards.getFeatures().length);
        container.classList.add('map-ready');
        container.dashboardMap = map;
    }

    function initCharts() {
        const data = JSON.parse(document.getElementById('dashboard-charts').textContent);
        Chart.defaults.animation = false;
        new Chart(document.getElementById('trend-chart'), {
            type: 'bar',
            data: {
                labels: data.trend.map(r => r.month),
                datasets: [
                    {label: data.labels.found, data: data.trend.map(r => r.found), backgroundColor: '#e67e22'},
                    {label: data.labels.closed, data: data.trend.map(r => r.closed), backgroundColor: '#27ae60'}
                ]
            },
            options: {
                responsive: true,
                scales: {y: {beginAtZero: true, ticks: {precision: 0}}},
                // A bar opens the hazards it counts.
                onClick: (event, bars) => {
                    if (!bars.length) { return; }
                    const month = data.trend[bars[0].index];
                    window.location.href = bars[0].datasetIndex === 0 ? month.found_link : month.closed_link;
                },
                onHover: (event, bars) => { event.native.target.style.cursor = bars.length ? 'pointer' : ''; }
            }
        });
        new Chart(document.getElementById('category-chart'), {
            type: 'bar',
            data: {
                labels: data.categories.map(r => r.label),
                datasets: [{label: '', data: data.categories.map(r => r.total), backgroundColor: '#417690'}]
            },
            options: {
                indexAxis: 'y', responsive: true, plugins: {legend: {display: false}},
                onClick: (event, bars) => {
                    if (bars.length) { window.location.href = data.categories[bars[0].index].link; }
                },
                onHover: (event, bars) => { event.native.target.style.cursor = bars.length ? 'pointer' : ''; }
            }
        });
        document.body.dataset.chartsReady = 'true';
    }

    function initSorting() {
        document.querySelectorAll('table.sortable th[data-sort]').forEach((th, index) => {
            th.addEventListener('click', () => {
                const tbody = th.closest('table').querySelector('tbody');
                const ascending = !th.classList.contains('asc');
                th.closest('tr').querySelectorAll('th').forEach(h => h.classList.remove('asc', 'desc'));
                th.classList.add(ascending ? 'asc' : 'desc');
                const value = row => {
                    const text = row.children[index].textContent.trim();
                    return th.dataset.sort === 'number' ? parseFloat(text) || 0 : text;
                };
                const rows = Array.from(tbody.querySelectorAll('tr'));
                rows.sort((a, b) => {
                    const x = value(a), y = value(b);
                    const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y), 'zh');
                    return ascending ? order : -order;
                });
                rows.forEach(row => tbody.appendChild(row));
            });
        });
    }

    document.addEventListener('DOMContentLoaded', () => {
        initMap();
        initCharts();
        initSorting();
    });
})();
